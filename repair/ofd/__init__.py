"""OFD (GB/T 33190-2016) letters: written from the WeasyPrint layout, sealed and verified with SM2/SM3 seals."""

from repair.ofd.letter import ofd_text, render_ofd
from repair.ofd.sign import StampPlace, seal_ofd
from repair.ofd.verify import verify_ofd

__all__ = ["StampPlace", "ofd_text", "render_ofd", "seal_ofd", "verify_ofd"]
