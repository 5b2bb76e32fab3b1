"""GB/T 38540-2020 electronic seal (SES_Seal, version 4) and electronic signature (SES_Signature) in DER.

ASN.1 (GB/T 38540-2020 §7, §8):
  SES_Seal ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING (seal maker), signAlgID OBJECT IDENTIFIER,
                          signedValue BIT STRING }                 -- signature over DER(esealInfo)
  SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                              picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
  SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
  SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER (1 = certs),
                              certList SEQUENCE OF OCTET STRING, createDate, validStart, validEnd GeneralizedTime }
  SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER } -- mm
  SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (signer), signatureAlgID OBJECT IDENTIFIER,
                               signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
  TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SES_Seal, timeInfo GeneralizedTime, dataHash BIT STRING,
                          propertyInfo IA5String, extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
For OFD (GB/T 33190 §18) dataHash is the SM3 digest of the signature's Signature.xml and propertyInfo its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from asn1crypto import core

from repair.errors import SealError
from repair.seal.sm2 import algorithms as sm

SES_VERSION = 4
VENDOR_ID = "repair"
SEAL_TYPE_OFFICIAL = 1  # 单位印章 (official seal of an organisation)
SEAL_SIZE_MM = 40


class SESHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SESPropertyInfo(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SESPictureInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString),
               ("width", core.Integer), ("height", core.Integer)]


class ExtData(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier), ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SESSealInfo(core.Sequence):
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESPropertyInfo),
        ("picture", SESPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESSeal(core.Sequence):
    _fields = [("eseal_info", SESSealInfo), ("cert", core.OctetString),
               ("sign_alg_id", core.ObjectIdentifier), ("signed_value", core.OctetBitString)]


class TBSSign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESSeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignature(core.Sequence):
    _fields = [
        ("to_sign", TBSSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


@dataclass(frozen=True)
class SealProfile:
    """What a seal says: department code and name, the signer certificates it may be used with, validity."""

    code: str
    name: str
    signer_certificates: tuple[bytes, ...]
    valid_from: datetime
    valid_to: datetime


@dataclass(frozen=True)
class ParsedSeal:
    """The fields of an SES_Seal a verifier needs (the DER of esealInfo is what the maker signed)."""

    es_id: str
    name: str
    signer_certificates: tuple[bytes, ...]
    valid_from: datetime
    valid_to: datetime
    picture_type: str
    picture: bytes
    maker_certificate: bytes
    algorithm: str
    signed_value: bytes
    signed_data: bytes


@dataclass(frozen=True)
class ParsedSignature:
    """The fields of an SES_Signature a verifier needs."""

    seal: ParsedSeal
    signed_at: datetime
    data_hash: bytes
    property_info: str
    signer_certificate: bytes
    algorithm: str
    signature: bytes
    signed_data: bytes
    timestamped: bool


def _utc(value: datetime) -> datetime:
    # GeneralizedTime in DER must be UTC ("Z"); whole seconds keep the encoding canonical.
    return value.astimezone(timezone.utc).replace(microsecond=0)


@lru_cache(maxsize=64)
def _seal_picture(name: str) -> bytes:
    from repair.seal.image import seal_png  # drawn on demand: Pillow and fonts only when a seal is made

    return seal_png(name)


def make_seal(profile: SealProfile, *, maker_key: sm.PrivateKey, maker_certificate: bytes,
              picture_png: bytes | None = None, now: datetime | None = None) -> bytes:
    """DER SES_Seal for `profile`, signed by the seal maker; the picture is the red round seal as PNG."""
    if picture_png is None:
        picture_png = _seal_picture(profile.name)
    created = _utc(now or datetime.now(timezone.utc))
    info = SESSealInfo({
        "header": {"id": "ES", "version": SES_VERSION, "vid": VENDOR_ID},
        "es_id": f"{profile.code}-{created:%Y%m%d%H%M%S}",
        "property": {
            "type": SEAL_TYPE_OFFICIAL,
            "name": profile.name,
            "cert_list_type": 1,
            "cert_list": list(profile.signer_certificates),
            "create_date": created,
            "valid_start": _utc(profile.valid_from),
            "valid_end": _utc(profile.valid_to),
        },
        "picture": {"type": "png", "data": picture_png, "width": SEAL_SIZE_MM, "height": SEAL_SIZE_MM},
    })
    signed_value = sm.sign(maker_key, info.dump())
    return SESSeal({"eseal_info": info, "cert": maker_certificate, "sign_alg_id": sm.OID_SM2_WITH_SM3,
                    "signed_value": signed_value}).dump()


def _load(spec, data: bytes, what: str):
    try:
        value = spec.load(data, strict=True)
        value.native  # parse every field now: a malformed structure fails here, not half-way through a check
        return value
    except (ValueError, TypeError, KeyError) as error:
        raise SealError(f"{what}不是有效的 GB/T 38540 结构 / {what!s} is not valid GB/T 38540 DER: {error}") from error


def _parsed_seal(seal: SESSeal) -> ParsedSeal:
    info = seal["eseal_info"]
    prop = info["property"]
    if info["header"]["id"].native != "ES" or prop["cert_list_type"].native != 1:
        raise SealError("印章头或证书列表类型不受支持 / unsupported seal header or certificate list type")
    return ParsedSeal(
        es_id=info["es_id"].native,
        name=prop["name"].native,
        signer_certificates=tuple(c.native for c in prop["cert_list"]),
        valid_from=prop["valid_start"].native,
        valid_to=prop["valid_end"].native,
        picture_type=info["picture"]["type"].native,
        picture=info["picture"]["data"].native,
        maker_certificate=seal["cert"].native,
        algorithm=seal["sign_alg_id"].dotted,
        signed_value=seal["signed_value"].native,
        signed_data=info.dump(),
    )


def parse_seal(data: bytes) -> ParsedSeal:
    """Decode a DER SES_Seal (SealError when malformed)."""
    return _parsed_seal(_load(SESSeal, data, "电子印章 / seal"))


def sign_document(*, seal: bytes, signer_key: sm.PrivateKey, signer_certificate: bytes, data_hash: bytes,
                  property_info: str, at: datetime) -> bytes:
    """DER SES_Signature: the signer's SM2 signature over DER(TBS_Sign) binding seal, time and data hash."""
    to_sign = TBSSign({
        "version": SES_VERSION,
        "eseal": SESSeal.load(seal),
        "time_info": _utc(at),
        "data_hash": data_hash,
        "property_info": property_info,
    })
    signature = sm.sign(signer_key, to_sign.dump())
    return SESSignature({"to_sign": to_sign, "cert": signer_certificate,
                         "signature_alg_id": sm.OID_SM2_WITH_SM3, "signature": signature}).dump()


def parse_signature(data: bytes) -> ParsedSignature:
    """Decode a DER SES_Signature (SealError when malformed)."""
    value = _load(SESSignature, data, "电子签章 / signature")
    to_sign = value["to_sign"]
    if to_sign["version"].native != SES_VERSION:
        raise SealError(f"不支持的签章版本 / unsupported SES version {to_sign['version'].native}")
    return ParsedSignature(
        seal=_parsed_seal(to_sign["eseal"]),
        signed_at=to_sign["time_info"].native,
        data_hash=to_sign["data_hash"].native,
        property_info=to_sign["property_info"].native,
        signer_certificate=value["cert"].native,
        algorithm=value["signature_alg_id"].dotted,
        signature=value["signature"].native,
        signed_data=to_sign.dump(),
        timestamped=value["time_stamp"].native is not None,
    )
