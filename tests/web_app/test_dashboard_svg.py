"""A chart's SVG served as an image of its own: a hostile service name
drawn by matplotlib, or a drawing carrying script, handlers, foreign content or outside links,
leaves only drawing behind; ids are prefixed with the chart's key and the drawing is named for
screen readers, in a well-formed document of the size the page gives it."""

import io
import xml.etree.ElementTree as ET

import matplotlib
import pytest
from matplotlib.figure import Figure

from bot.web.app.safe_svg import ELEMENTS, SVG, UnsafeSvg, svg_document

HOSTILE = '</text><script>alert(1)</script><!-- --> "quoted" & <b>bold</b>'


def matplotlib_svg(label: str, fonttype: str = "none") -> str:
    figure = Figure(figsize=(4, 2))
    axes = figure.add_subplot()
    axes.bar([label.replace("$", r"\$"), "checkout"], [3, 5])
    axes.set_title(label.replace("$", r"\$"))
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": fonttype}):
        figure.savefig(out, format="svg")
    return out.getvalue()


@pytest.mark.parametrize("fonttype", ["none", "path"])
def test_an_image_of_its_own_keeps_a_hostile_name_as_text(fonttype: str) -> None:
    svg = matplotlib_svg(HOSTILE, fonttype)
    document = svg_document(svg, prefix="c1", label="Incidents", width=720, height=300)
    root = ET.fromstring(document)

    assert document.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert b"<script" not in document and b"<b>" not in document and b"<!--" not in document
    assert {element.tag.rsplit("}", 1)[-1] for element in root.iter()} <= ELEMENTS
    assert (root.get("width"), root.get("height"), root.get("role")) == ("720", "300", "img")
    assert root.get("viewBox") == ET.fromstring(svg).get("viewBox")
    assert root[0].tag == f"{{{SVG}}}title" and root[0].text == "Incidents"
    if fonttype == "none":
        assert any(HOSTILE in "".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text"))


def test_only_drawing_is_kept() -> None:
    hostile = f"""<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink"
        width="400" height="200" viewBox="0 0 400 200" onload="alert(1)">
      <script>alert(2)</script>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
      <a href="https://evil.example/"><rect width="5" height="5"/></a>
      <defs><clipPath id="clip"><rect width="10" height="10"/></clipPath></defs>
      <g clip-path="url(#clip)" onclick="alert(3)" style="fill: red">
        <use xlink:href="#glyph"/><use href="https://evil.example/x.svg#a"/>
        <rect fill="url(https://evil.example/paint)" width="1" height="1"/>
        <rect style="background: url(https://evil.example/)" width="1" height="1"/>
      </g>
      <path id="glyph" d="M0 0L1 1"/>
    </svg>"""
    markup = svg_document(hostile, prefix="c7", label="Chart", width=720, height=300).decode()
    root = ET.fromstring(markup.split("\n", 1)[1])
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}

    assert tags == {"svg", "title", "defs", "clipPath", "rect", "g", "use", "path"}
    for word in ("alert", "evil.example", "onload", "onclick", "foreignObject", 'width="400"'):
        assert word not in markup
    assert 'clip-path="url(#c7-clip)"' in markup and 'id="c7-clip"' in markup
    assert 'href="#c7-glyph"' in markup and 'id="c7-glyph"' in markup
    assert 'style="fill: red"' in markup and 'viewBox="0 0 400 200"' in markup


@pytest.mark.parametrize(
    "text",
    [
        "not xml at all",
        "<html><body>hi</body></html>",
        '<svg xmlns="x"><unclosed></svg>',
        '<svg xmlns="urn:other"/>',
    ],
    ids=["text", "html", "broken", "other-namespace"],
)
def test_what_is_not_an_svg_drawing_is_refused(text: str) -> None:
    with pytest.raises(UnsafeSvg):
        svg_document(text, prefix="c1", label="Chart", width=720, height=300)
