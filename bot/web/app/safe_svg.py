"""A chart's SVG made safe to serve as an image of its own (`svg_document`), which a person may
also open directly in a tab.

The charts are drawn on the server and carry people's text (service names are typed by users).
The drawing library escapes what it writes, but a page must not rest on that: each SVG is parsed,
and only drawing elements and presentation attributes are kept (no script, no foreign object, no
event handler, no link leaving the drawing, no comment), its ids are prefixed with the chart's key,
and its text is written back escaped.
"""

import re
import xml.etree.ElementTree as ET

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
_ELEMENT_NAMES = """
svg g defs clipPath path rect circle ellipse line polyline polygon text tspan title desc use
style linearGradient radialGradient stop pattern mask symbol metadata
"""
_ATTRIBUTE_NAMES = """
id class d x y x1 y1 x2 y2 cx cy r rx ry width height points transform viewBox
preserveAspectRatio version fill fill-opacity fill-rule stroke stroke-width stroke-opacity
stroke-linecap stroke-linejoin stroke-dasharray stroke-dashoffset stroke-miterlimit opacity
clip-path clip-rule mask font-family font-size font-weight font-style text-anchor
dominant-baseline offset stop-color stop-opacity gradientUnits gradientTransform patternUnits
href style
"""
ELEMENTS = frozenset(_ELEMENT_NAMES.split())
ATTRIBUTES = frozenset(_ATTRIBUTE_NAMES.split())
DROPPED_WITH_CONTENT = frozenset({"metadata", "style"})
_URL_REF = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_SAFE_STYLE = re.compile(r"^[\w\s#%.,:;()'\-]*$")  # no slash, no backslash, no @


class UnsafeSvg(ValueError):
    """The chart is not an SVG drawing."""


def svg_document(svg: str | bytes, *, prefix: str, label: str, width: int, height: int) -> bytes:
    """`svg` cleaned as a standalone document (UTF-8, with its XML prolog): ids prefixed with
    `prefix`, named `label` (role img, a title first), `width` x `height` pixels."""
    root = _cleaned(svg, prefix, label)
    # Pixels, as the page's <img> gives them: the drawing's own sizes are in points.
    root.set("width", str(width))
    root.set("height", str(height))
    return f'<?xml version="1.0" encoding="utf-8"?>\n{_text(root)}\n'.encode()


def _cleaned(svg: str | bytes, prefix: str, label: str) -> ET.Element:
    try:
        root = ET.fromstring(svg)  # comments and processing instructions are dropped here
    except ET.ParseError as error:
        raise UnsafeSvg(f"the chart is not well-formed SVG: {error}") from None
    if root.tag != f"{{{SVG}}}svg":
        raise UnsafeSvg("the chart is not an <svg> drawing")
    _clean(root, prefix)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title")
    title = ET.Element(f"{{{SVG}}}title", {"id": f"{prefix}-title"})
    title.text = label
    root.insert(0, title)
    return root


def _text(root: ET.Element) -> str:
    ET.register_namespace("", SVG)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _clean(element: ET.Element, prefix: str) -> None:
    for child in list(element):
        name = _local(child.tag) if isinstance(child.tag, str) else ""
        if name not in ELEMENTS or name in DROPPED_WITH_CONTENT:
            element.remove(child)
            continue
        if not child.tag.startswith(f"{{{SVG}}}"):
            element.remove(child)  # an element of another vocabulary (XHTML, MathML …)
            continue
        _clean(child, prefix)
    _attributes(element, prefix)


def _attributes(element: ET.Element, prefix: str) -> None:
    kept: dict[str, str] = {}
    for key, value in element.attrib.items():
        name = _local(key)
        if name not in ATTRIBUTES or (key.startswith("{") and not key.startswith(f"{{{XLINK}}}")):
            continue
        if name == "href":
            if not value.startswith("#"):
                continue  # nothing outside the drawing is fetched or followed
            kept["href"] = f"#{prefix}-{value[1:]}"
        elif name == "id":
            kept["id"] = f"{prefix}-{value}"
        elif name == "style" and not _SAFE_STYLE.match(value):
            continue
        else:
            kept[name] = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value)
            if "url(" in kept[name] and not _URL_REF.search(kept[name]):
                del kept[name]  # a url() that is not a reference inside the drawing
    element.attrib.clear()
    element.attrib.update(kept)
