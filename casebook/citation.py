"""How to cite an initiative: the portal page and the briefing paper behind it."""

from django.utils.translation import gettext as _

SITE_TITLE = "PPCI Case Book"


def one_line(text):
    """Line breaks would end a RIS field or split a BibTeX one: a citation holds none."""
    return " ".join(str(text or "").split())


def _escape_bibtex(text):
    for char in "\\{}&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def citation(initiative, url):
    source = initiative.sources.all()[0] if initiative.sources.all() else None
    return {
        "title": initiative.title,
        "year": initiative.updated_at.year,
        "url": url,
        "accessed": initiative.updated_at.date().isoformat(),
        "source": source,
        "text": _("“%(title)s”. %(site)s, %(year)d. %(url)s")
        % {
            "title": initiative.title,
            "site": SITE_TITLE,
            "year": initiative.updated_at.year,
            "url": url,
        },
    }


def bibtex(initiative, url):
    data = citation(initiative, url)
    data["title"] = one_line(data["title"])
    key = initiative.slug.replace("-", "_")
    lines = [
        f"@misc{{{key},",
        f"  title = {{{_escape_bibtex(data['title'])}}},",
        f"  howpublished = {{{SITE_TITLE}}},",
        f"  year = {{{data['year']}}},",
        f"  url = {{{url}}},",
        f"  urldate = {{{data['accessed']}}},",
    ]
    if data["source"]:
        note = one_line(data["source"].title)
        if data["source"].publisher:
            note = f"{one_line(data['source'].publisher)}: {note}"
        lines.append(f"  note = {{{_escape_bibtex(note)}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def ris(initiative, url):
    data = citation(initiative, url)
    data["title"] = one_line(data["title"])
    lines = [
        "TY  - ELEC",
        f"TI  - {data['title']}",
        f"T2  - {SITE_TITLE}",
        f"PY  - {data['year']}",
        f"UR  - {url}",
        f"Y2  - {data['accessed']}",
    ]
    if data["source"]:
        source = data["source"]
        lines.append(f"N1  - {one_line(source.publisher)}: {one_line(source.title)}".strip(": "))
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"
