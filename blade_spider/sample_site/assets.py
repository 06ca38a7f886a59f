"""Binary files the site serves: one tiny photo for every image URL and one print-issue PDF.

Both are valid files (a 1x1 grey baseline JPEG, a one-page PDF) so that anything downloading
or sniffing them sees what it would see live, just smaller.
"""

from __future__ import annotations

import struct


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _huffman_table(table_class_and_id: int) -> bytes:
    """A table with a single one-bit code for symbol 0 (DC: difference 0; AC: end of block)."""
    return _segment(0xC4, bytes((table_class_and_id, 1)) + bytes(15) + b"\x00")


#: 1x1 grey JPEG: JFIF header, flat quantisation table, one 8x8 block coded as "00" + padding.
JPEG = b"".join(
    (
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xDB, b"\x00" + b"\x01" * 64),
        _segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"),
        _huffman_table(0x00),
        _huffman_table(0x10),
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f\xff\xd9",
    )
)


def _pdf() -> bytes:
    """A one-page PDF with a title line, its cross-reference offsets computed, not guessed."""
    stream = b"BT /F1 24 Tf 72 720 Td (Washington Blade - October 18, 2019) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF = _pdf()
