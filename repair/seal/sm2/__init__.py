"""National-algorithm seals: SM2/SM3, the SM2 development PKI and GB/T 38540 electronic seals and signatures."""

from repair.seal.sm2.algorithms import sm3
from repair.seal.sm2.pki import Sm2Signer, ensure_sm2_pki, load_sm2_signer, sm2_trust_roots

__all__ = ["Sm2Signer", "ensure_sm2_pki", "load_sm2_signer", "sm2_trust_roots", "sm3"]
