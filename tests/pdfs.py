"""Text PDFs for the tests, written here: pages of lines in Helvetica.

Enough of the format for a reader (objects, a cross-reference table, a
trailer), and a lock with a password that is not empty, which no reader
opens without it.
"""

from __future__ import annotations

LINE_GAP = 14  # points between lines; a blank line is a gap of two, which readers take for a new block


def text_pdf(pages: list[list[str]], locked: bool = False, image_bytes: int = 0) -> bytes:
    """``image_bytes``: the size of an image the file carries (unused by its pages), as reports' photographs."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    if image_bytes:
        add(b"<< /Length %d >>\nstream\n%s\nendstream" % (image_bytes, b"\0" * image_bytes))

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    contents = []
    for lines in pages:
        shown = [f"({_escaped(line)}) Tj T*" for line in lines]
        stream = "\n".join(["BT", "/F1 11 Tf", f"{LINE_GAP} TL", "72 740 Td", *shown, "ET"]).encode("latin-1")
        contents.append(add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)))
    parent = len(objects) + len(pages) + 1
    kids = [
        add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (parent, content, font))
        for content in contents
    ]  # fmt: skip
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % kid for kid in kids), len(kids)))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    lock = b""
    if locked:  # the standard security handler, revision 2, with keys no empty password matches
        lock = b" /Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >> /ID [<%s> <%s>]" % (
            b"11" * 32, b"22" * 32, b"33" * 16, b"33" * 16
        )  # fmt: skip
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        lock,
        table,
    )
    return bytes(out)


def _escaped(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
