"""The trends chart: an inline SVG bar chart rendered on the server (no script, no
external host), with a data table for screen readers and without colour.

Bars are paragraphs per year; the label above each bar gives paragraphs and
documents (``12 段 / 3 件``). Stacked by issuer or type, each series has its
own fill pattern as well as its colour (solid, hatched, dotted, crossed, …),
named in a legend, so the chart reads in greyscale. Each year is a link that
filters the results to that year (``from=YYYY-01-01&to=YYYY-12-31``).
"""

from __future__ import annotations

from markupsafe import Markup, escape

BY = ("year", "issuer", "doc_type")
BY_LABELS = {"year": "按年份", "issuer": "按发文机关", "doc_type": "按公文种类"}
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 24, 40
#: Series shown by name; the rest are summed as 其他.
MAX_SERIES = 5

# (colour, pattern): the pattern alone tells the series apart.
_STYLES = [
    ("#2b6cb0", None),
    ("#c05621", "hatch"),
    ("#2f855a", "dots"),
    ("#6b46c1", "cross"),
    ("#b7791f", "lines"),
    ("#4a5568", "rhatch"),
]


def _pattern(i: int, colour: str, kind: str) -> str:
    shapes = {
        "hatch": '<path d="M0,8 L8,0" stroke="{c}" stroke-width="2"/>',
        "rhatch": '<path d="M0,0 L8,8" stroke="{c}" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="2" fill="{c}"/>',
        "cross": '<path d="M0,8 L8,0 M0,0 L8,8" stroke="{c}" stroke-width="1.5"/>',
        "lines": '<path d="M0,4 L8,4" stroke="{c}" stroke-width="2"/>',
    }
    return (f'<pattern id="trend-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="#fff"/>{shapes[kind].format(c=colour)}</pattern>')


def _fill(i: int) -> str:
    colour, kind = _STYLES[i % len(_STYLES)]
    return colour if kind is None else f"url(#trend-p{i})"


def _series(data: dict) -> list[str | None]:
    """The stacked series shown by name: the largest overall (others become 其他)."""
    totals: dict = {}
    for bucket in data["buckets"]:
        for stack in bucket.get("stacks", []):
            totals[stack["key"]] = totals.get(stack["key"], 0) + stack["paragraphs"]
    ranked = sorted(totals, key=lambda k: (-totals[k], k is None, k or ""))
    return ranked[:MAX_SERIES]


def render(data: dict, params) -> Markup:
    """The chart, its legend, the switch between groupings and the data table."""
    buckets = data["buckets"]
    by = data["by"]
    out = ['<section class="trends" aria-labelledby="trends-title">',
           '<h2 id="trends-title">年度分布</h2>', '<p class="trend-switch">']
    for key in BY:
        label = BY_LABELS[key]
        if key == by:
            out.append(f'<span class="current" aria-current="true">{label}</span>')
        else:
            href = params.url(page=None) + ("&" if "?" in params.url() else "?") + f"trend={key}"
            out.append(f'<a href="{escape(href)}" data-trend="{key}">{label}</a>')
    out.append("</p>")
    if not buckets:
        out.append('<p class="trend-empty">匹配的段落都没有成文日期。</p></section>')
        return Markup("".join(out))
    series = _series(data) if by != "year" else []
    stacked = by != "year"
    has_other = any(s["key"] not in series for b in buckets for s in b.get("stacks", []))
    names = ([*series, "其他"] if has_other else series) if stacked else []
    peak = max(b["paragraphs"] for b in buckets) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(buckets)
    bar_w = max(2.0, min(48.0, slot * 0.7))
    label_every = max(1, int(30 // slot) + 1) if slot < 30 else 1
    svg = [f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
           f'role="img" aria-labelledby="trends-title trends-desc" '
           f'xmlns="http://www.w3.org/2000/svg">',
           '<desc id="trends-desc">每年匹配的段落数（柱高）和文件数；数据见下表。</desc><defs>']
    for i, (colour, kind) in enumerate(_STYLES):
        if kind:
            svg.append(_pattern(i, colour, kind))
    svg.append("</defs>")
    base_y = TOP + plot_h
    svg.append(f'<line x1="{LEFT}" y1="{base_y}" x2="{WIDTH - RIGHT}" y2="{base_y}" '
               f'stroke="#333" stroke-width="1"/>')
    svg.append(f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11" '
               f'fill="#333">{peak}</text>')
    svg.append(f'<text x="{LEFT - 6}" y="{base_y}" text-anchor="end" font-size="11" '
               f'fill="#333">0</text>')
    for i, bucket in enumerate(buckets):
        year = bucket["key"]
        x = LEFT + slot * i + (slot - bar_w) / 2
        href = params.url(**{"from": f"{year}-01-01", "to": f"{year}-12-31", "page": None})
        tip = f"{year} 年：{bucket['paragraphs']} 个段落，{bucket['documents']} 份文件"
        svg.append(f'<a href="{escape(href)}" class="trend-year" data-year="{escape(year)}">'
                   f"<title>{escape(tip)}</title>")
        pieces = _pieces(bucket, series) if stacked else [(0, bucket["paragraphs"])]
        y = base_y
        for style, count in pieces:
            h = plot_h * count / peak
            y -= h
            svg.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                       f'fill="{_fill(style)}" stroke="#1a202c" stroke-width="0.75"/>')
        # Invisible full-height target so short bars are easy to click.
        svg.append(f'<rect x="{LEFT + slot * i:.1f}" y="{TOP}" width="{slot:.1f}" '
                   f'height="{plot_h}" fill="transparent"/>')
        if slot >= 40:
            svg.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                       f'font-size="10" fill="#1a202c">{bucket["paragraphs"]}段/'
                       f'{bucket["documents"]}件</text>')
        if i % label_every == 0:
            svg.append(f'<text x="{x + bar_w / 2:.1f}" y="{base_y + 16}" text-anchor="middle" '
                       f'font-size="11" fill="#1a202c">{escape(year)}</text>')
        svg.append("</a>")
    svg.append("</svg>")
    out.extend(svg)
    if stacked:
        out.append('<ul class="trend-legend">')
        for i, name in enumerate(names):
            colour, kind = _STYLES[i % len(_STYLES)]
            swatch = (f'<svg width="16" height="16" aria-hidden="true"><defs>'
                      f'{_pattern(100 + i, colour, kind) if kind else ""}</defs>'
                      f'<rect width="16" height="16" stroke="#1a202c" '
                      f'fill="{colour if kind is None else f"url(#trend-p{100 + i})"}"/></svg>')
            out.append(f"<li>{swatch} {escape(name or '（未注明）')}</li>")
        out.append("</ul>")
    out.append(_table(data, names))
    out.append("</section>")
    return Markup("".join(out))


def _pieces(bucket: dict, series: list) -> list[tuple[int, int]]:
    """(style index, paragraphs) from the bottom up: named series, then 其他."""
    named = {s["key"]: s["paragraphs"] for s in bucket.get("stacks", [])}
    pieces = [(i, named.get(key, 0)) for i, key in enumerate(series)]
    other = sum(v for k, v in named.items() if k not in series)
    pieces.append((len(series), other))
    return [(i, c) for i, c in pieces if c]


def _table(data: dict, names: list) -> str:
    rows = ['<details class="trend-data"><summary>数据表</summary><table>',
            '<caption>每年匹配的段落和文件</caption><thead><tr><th scope="col">年份</th>'
            '<th scope="col">段落</th><th scope="col">文件</th>']
    if names:
        rows.append('<th scope="col">构成（段落）</th>')
    rows.append("</tr></thead><tbody>")
    for b in data["buckets"]:
        rows.append(f'<tr><th scope="row">{escape(b["key"])}</th><td>{b["paragraphs"]}</td>'
                    f'<td>{b["documents"]}</td>')
        if names:
            parts = "；".join(f'{escape(s["key"] or "（未注明）")} {s["paragraphs"]}'
                             for s in b.get("stacks", []))
            rows.append(f"<td>{parts}</td>")
        rows.append("</tr>")
    undated = data.get("undated") or {}
    if undated.get("paragraphs"):
        rows.append(f'<tr><th scope="row">无日期</th><td>{undated["paragraphs"]}</td>'
                    f'<td>{undated["documents"]}</td>{"<td></td>" if names else ""}</tr>')
    rows.append("</tbody></table></details>")
    return "".join(rows)
