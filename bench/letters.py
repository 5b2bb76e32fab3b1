"""Benchmark: render + seal one 两书 pair (penalty_decision + rights_notice), warm, against a naive baseline,
batch throughput with two worker processes, and the same pair as OFD sealed with SM2 (GB/T 33190 + GB/T 38540)
against the PDF pair in the same run. Prints figures; the last line is JSON.

Seals are PAdES B-LT (a timestamp from the development TSA, OCSP/CRL from its responder, embedded in the
DSS); the same run also times the B-B pipeline (no timestamp, no validation data) for the B-LT cost
(`lt_over_bb`, target <= 1.5).

    .venv/bin/python bench/letters.py [--pairs 200] [--repeat 15]

The naive baseline is what the straightforward implementation (probe.md's first snippets) does: a new
WeasyPrint FontConfiguration per document, an RSA-2048 signing key (pyHanko's usual choice) loaded from
PEM for every signature, and the seal image redrawn for every signature. The measured path uses one
FontConfiguration per process, a cached EC P-256 signer and a seal image cached per department.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from contextlib import contextmanager
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module (fontTools imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from repair.config import load_settings
from repair.letters import render, render_pdf, sample_context
from repair.ofd import render_ofd
from repair.seal import ensure_development_pki, image, pki, seal_pdf, sign
from repair.seal.sm2 import ensure_sm2_pki, load_sm2_signer
from repair.seal.sm2 import algorithms as sm2

DEPARTMENT = ("YJJ", "上海市某区应急管理局")
PAIR = ("penalty_decision", "rights_notice")
CONTEXTS = {key: sample_context(key) for key in PAIR}
_settings = None


def _init_worker(instance: str) -> None:
    global _settings
    _settings = load_settings({"REPAIR_INSTANCE_PATH": instance})
    one_pair()  # warm: imports, fonts, templates, signer, seal image


def one_pair(_: int = 0) -> str:
    """Render and seal both letters of a pair; returns a digest so the work cannot be skipped."""
    digest = hashlib.sha256()
    for key in PAIR:
        sealed = seal_pdf(render_pdf(key, CONTEXTS[key]), DEPARTMENT[0], _settings, reason="两书同达签章")
        digest.update(sealed)
    return digest.hexdigest()


def one_ofd_pair(_: int = 0) -> str:
    """Render both letters (same WeasyPrint layout) as OFD and seal them with SM2 (GB/T 38540)."""
    digest = hashlib.sha256()
    for key in PAIR:
        sealed = render_ofd(render_pdf(key, CONTEXTS[key]), title=key, author=DEPARTMENT[1],
                            at=datetime.now(timezone.utc), dept_code=DEPARTMENT[0], settings=_settings)
        digest.update(sealed)
    return digest.hexdigest()


def median_ofd_vs_pdf(repeat: int) -> tuple[float, float]:
    """Medians (OFD pair, PDF pair), timed alternately in the same run."""
    ofd, pdf = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        one_ofd_pair()
        ofd.append(time.perf_counter() - start)
        pdf.append(_timed_pair())
    return statistics.median(ofd), statistics.median(pdf)


def median_sm2_sign_ms(repeat: int = 200) -> float:
    """Median time of one SM2-with-SM3 signature over a 2 kB message with the department's key."""
    key = load_sm2_signer(DEPARTMENT[0], _settings).key
    message = os.urandom(2048)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        sm2.sign(key, message)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _rsa_signer_files(keys_dir: Path) -> tuple[Path, Path, Path]:
    """An RSA-2048 key and certificate for the department, issued by the development CA."""
    ca_key = serialization.load_pem_private_key((keys_dir / "ca.key.pem").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((keys_dir / pki.CA_CERT_FILE).read_bytes())
    dept_pem = (keys_dir / "departments" / f"{DEPARTMENT[0]}.cert.pem").read_bytes()
    dept_cert = x509.load_pem_x509_certificate(dept_pem)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(dept_cert.subject).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(dept_cert.not_valid_before_utc).not_valid_after(dept_cert.not_valid_after_utc)
        .add_extension(dept_cert.extensions.get_extension_for_class(x509.KeyUsage).value, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key_path, cert_path = keys_dir / "bench-rsa.key.pem", keys_dir / "bench-rsa.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, keys_dir / pki.CA_CERT_FILE


@contextmanager
def naive(key_path: Path, cert_path: Path, ca_path: Path):
    """Naive choices: a FontConfiguration per document; RSA key loaded and seal drawn per signature."""
    from pyhanko.sign.signers import SimpleSigner
    from weasyprint.text.fonts import FontConfiguration

    saved = render.font_configuration, sign.seal_image, sign.load_signer
    render.font_configuration = FontConfiguration
    sign.seal_image = image.seal_image.__wrapped__
    sign.load_signer = lambda code, settings: SimpleSigner.load(
        str(key_path), str(cert_path), ca_chain_files=(str(ca_path),)
    )
    try:
        yield
    finally:
        render.font_configuration, sign.seal_image, sign.load_signer = saved


@contextmanager
def basic_only():
    """Today's B-B pipeline: no timestamp authority, hence no validation data either."""
    saved = sign.timestamper_for
    sign.timestamper_for = lambda settings: None
    try:
        yield
    finally:
        sign.timestamper_for = saved


def _timed_pair() -> float:
    start = time.perf_counter()
    one_pair()
    return time.perf_counter() - start


def median_pair_seconds(repeat: int, naive_files: tuple[Path, Path, Path]) -> tuple[float, float, float]:
    """Medians (measured B-LT, naive, B-B), timed alternately so that machine noise hits all alike."""
    with naive(*naive_files):
        one_pair()  # warm the naive path too
    with basic_only():
        one_pair()
    measured, baseline, basic = [], [], []
    for _ in range(repeat):
        measured.append(_timed_pair())
        with naive(*naive_files):
            baseline.append(_timed_pair())
        with basic_only():
            basic.append(_timed_pair())
    return statistics.median(measured), statistics.median(baseline), statistics.median(basic)


def batch_seconds(pairs: int, instance: str, processes: int) -> float:
    if processes == 1:
        start = time.perf_counter()
        for i in range(pairs):
            one_pair(i)
        return time.perf_counter() - start
    context = multiprocessing.get_context("spawn")  # fork after Pango/fontconfig initialisation is unsafe
    with context.Pool(processes, initializer=_init_worker, initargs=(instance,)) as pool:
        pool.map(time.sleep, [0.01] * processes)  # wait until every worker has warmed up
        start = time.perf_counter()
        digests = pool.map(one_pair, range(pairs), chunksize=4)
        elapsed = time.perf_counter() - start
    assert len(set(digests)) == pairs  # signing times differ, so every pair is distinct work
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200, help="pairs in the batch-throughput run")
    parser.add_argument("--repeat", type=int, default=15, help="pairs timed for each median")
    args = parser.parse_args()
    global _settings
    with tempfile.TemporaryDirectory(prefix="repair-bench-") as instance:
        _settings = load_settings({"REPAIR_INSTANCE_PATH": instance})
        ensure_development_pki(_settings.keys_dir, [DEPARTMENT])
        ensure_sm2_pki(_settings.keys_dir, [DEPARTMENT])
        one_pair()
        one_pair()
        one_ofd_pair()
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        value, baseline, basic = median_pair_seconds(args.repeat, _rsa_signer_files(_settings.keys_dir))
        print(f"pair (render + seal x2 at B-LT), warm median of {args.repeat}: {value:.3f} s")
        print(f"same pair at B-B (no timestamp, no DSS), median of {args.repeat}: {basic:.3f} s "
              f"(B-LT costs {value / basic:.2f}x, target <= 1.5x)")
        print(f"naive baseline, median of {args.repeat}: {baseline:.3f} s ({baseline / value:.2f}x slower)")
        ofd_value, pdf_value = median_ofd_vs_pdf(args.repeat)
        sign_ms = median_sm2_sign_ms()
        print(f"OFD pair (render + SM2 seal x2), warm median of {args.repeat}: {ofd_value:.3f} s; PDF pair in the "
              f"same loop {pdf_value:.3f} s (OFD/PDF {ofd_value / pdf_value:.2f}); SM2 sign median {sign_ms:.2f} ms")
        single = batch_seconds(args.pairs, instance, 1)
        double = batch_seconds(args.pairs, instance, 2)
        print(f"batch of {args.pairs} pairs: 1 process {single:.1f} s ({args.pairs / single:.2f} pairs/s), "
              f"2 processes {double:.1f} s ({args.pairs / double:.2f} pairs/s), "
              f"speed-up {single / double:.2f}x")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps({
        "metric": "letters_pair_seconds",
        "value": round(value, 4),
        "baseline": round(baseline, 4),
        "ratio": round(baseline / value, 2),
        "b_b_seconds": round(basic, 4),
        "lt_over_bb": round(value / basic, 2),
        "batch_speedup": round(single / double, 2),
        "ofd_pair_seconds": round(ofd_value, 4),
        "ofd_vs_pdf": round(ofd_value / pdf_value, 2),
        "sm2_sign_ms": round(sign_ms, 3),
    }))


if __name__ == "__main__":
    main()
