"""Folium elements of our own: the browser library with its labels, and the AQI legend."""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template

from maps.browser_js import LIBRARY, STYLE
from maps.features import GROUND_KINDS, NA_COLOUR
from maps.labels import category_names
from sensors.aqi import LABELS as POLLUTANT_LABELS
from sensors.aqi.categories import UPPER_AQI, categories

POLLUTANTS: dict[str, dict[str, Any]] = {
    key: {
        "label": label,
        "unit": "mg/m³" if key == "co" else "µg/m³",
        "digits": 1 if key == "co" else 0,
    }
    for key, label in {**POLLUTANT_LABELS, "voc": "VOC"}.items()
}
"""Pollutant key → display label, unit and decimals shown in popups."""


def script_json(value: Any) -> str:
    """Compact JSON safe inside a <script> element (no <, >, & or ' left to break out)."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)  # ASCII: \u2028 escaped too
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, code)
    return text


class RawText(Element):
    """Text placed in the page as it is: never parsed as a template again."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawText"
        self.text = text


class RawMacroElement(MacroElement):
    """A MacroElement whose rendered header/html/script are kept as text.

    Branca compiles each rendered macro again as a Jinja template, so a station or zone name
    such as ``{{ 7*7 }}`` inside the data would be evaluated on the server, and a megabyte of
    GeoJSON would be lexed once more. Here the rendered text goes into the page unchanged.
    """

    def render(self, **kwargs: Any) -> None:
        """Render the macros once, as text, then the children."""
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                target = getattr(figure, part)
                target.add_child(RawText(str(macro(self, kwargs))), name=self.get_name())
        for child in list(self._children.values()):
            child.render(**kwargs)


class EcoMapLibrary(RawMacroElement):
    """The EcoMap browser library, its styles and the page's labels, once in the header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.style }}</style>
        <script>{{ this.library }}</script>
        <script>EcoMap.setup({{ this.config_json }});</script>
        {% endmacro %}
        """
    )

    def __init__(self, labels: dict[str, str], lang: str, standard: str) -> None:
        super().__init__()
        self._name = "EcoMapLibrary"
        self.style = STYLE
        self.library = LIBRARY
        config = {
            "labels": labels,
            "categories": category_names(lang, standard),
            "pollutants": POLLUTANTS,
            "na": NA_COLOUR,
            "groundKinds": sorted(GROUND_KINDS),
        }
        self.config_json = script_json(config)


def legend_rows(lang: str, standard: str = "hj633-2026") -> list[dict[str, str]]:
    """The six AQI bands: colour, AQI range and category name."""
    names = category_names(lang, standard)
    lows = (0, *(u + 1 for u in UPPER_AQI))
    rows = []
    for band, name in zip(categories(standard), names, strict=True):
        i = band.index
        span = f"{lows[i]}–{UPPER_AQI[i]}" if i < len(UPPER_AQI) else f">{UPPER_AQI[-1]}"
        rows.append({"color": band.hex, "range": span, "name": name})
    return rows


class AqiLegend(RawMacroElement):
    """AQI legend in the standard's category colours, bottom right of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        EcoMap.legend({{ this._parent.get_name() }}, {{ this.spec_json }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, lang: str, standard: str = "hj633-2026") -> None:
        super().__init__()
        self._name = "AqiLegend"
        self.spec = {"title": title, "rows": legend_rows(lang, standard)}
        self.spec_json = script_json(self.spec)
