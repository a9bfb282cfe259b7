"""User text shown as text. Names people type (members, events, shifts,
places, chapters, goals, programs) go into Streamlit's markdown and into
plotly charts, both of which would otherwise render them: an image from any
host in other people's browsers, a live link inside a chart."""

from __future__ import annotations

import html
import re

# The marks that make links, images, HTML, entities, emphasis, code, tables,
# LaTeX ($…$) or Streamlit's directives (:red[…], :material/…:, emoji).
_INLINE = re.compile(r"([\\`*_{}\[\]<>!|~$:&])")
# GFM links bare web addresses (https://…, www.…) after escapes are read: an
# invisible word joiner after the scheme leaves the text as it reads but no
# longer an address. E-mail addresses stay as they are: a mailto link loads
# nothing, and people copy addresses.
_AUTOLINK = re.compile(r"(?i)(\bhttps?:|\bwww(?=\.))")
_JOINER = "\u2060"
# What starts a heading, list or quote when the text opens a line.
_BLOCK = re.compile(r"^(\s*|\s*\d+)((?<![\d])[#>+-]|(?<=\d)[.)](?=\s|$))")


def plain(text: object) -> str:
    """`text` escaped for Streamlit's markdown, so it shows as typed.

    >>> plain("![x](http://h/x.png) **b**").replace(_JOINER, "+")
    '\\\\!\\\\[x\\\\](http\\\\:+//h/x.png) \\\\*\\\\*b\\\\*\\\\*'
    >>> plain("# Set-up crew (Circles)")
    '\\\\# Set-up crew (Circles)'
    >>> plain("1) Toronto"), plain("2. Ottawa")
    ('1\\\\) Toronto', '2\\\\. Ottawa')
    """
    one_line = str(text).replace("\r", " ").replace("\n", " ")
    unlinked = _AUTOLINK.sub(lambda m: m.group(1) + _JOINER, one_line)
    return _BLOCK.sub(r"\1\\\2", _INLINE.sub(r"\\\1", unlinked))


def chart_text(text: object) -> str:
    """`text` escaped for plotly, which renders a few HTML tags (<a href>,
    <b>, <br>) in labels, legends and hover text.

    Quotes stay: without a `<` no tag or attribute can begin.

    >>> chart_text('<a href="http://h/">Tom & Ann</a>')
    '&lt;a href="http://h/"&gt;Tom &amp; Ann&lt;/a&gt;'
    """
    return html.escape(str(text), quote=False)
