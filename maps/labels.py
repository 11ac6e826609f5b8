"""The map's words in Chinese (zh-CN, the default) and English, in one table.

Keys are stable; the console can swap the table for its gettext catalogue by passing its own
mapping of the same keys to the builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from maps.model import MapError, plain_text
from sensors.aqi.categories import categories

LANGS = ("zh-CN", "en")

_ZH = {
    "sky": "天 · 卫星遥感",
    "ground": "地 · 地面监测",
    "air": "空 · 无人机",
    "alerts": "告警",
    "legend_title": "空气质量指数 (AQI)",
    "legend_na": "无数据",
    "base_osm": "OpenStreetMap 地图",
    "base_tianditu_vector": "天地图 矢量",
    "base_tianditu_image": "天地图 影像",
    "aqi": "AQI",
    "iaqi": "IAQI",
    "category": "类别",
    "primary": "首要污染物",
    "pollutant": "污染物",
    "value": "浓度",
    "aqi_24h": "近 24 小时 AQI",
    "time": "时间",
    "none": "无",
    "battery": "电量",
    "mode": "模式",
    "link": "链路",
    "link_OK": "正常",
    "link_LOST": "失联",
    "link_CONNECTING": "连接中",
    "altitude": "高度",
    "speed": "地速",
    "heading": "航向",
    "armed": "已解锁",
    "disarmed": "未解锁",
    "sortie": "架次",
    "track": "航迹",
    "route": "规划航线",
    "kind": "类型",
    "zone_area": "巡查区域",
    "zone_enterprise": "重点企业",
    "zone_corridor": "巡查廊道",
    "zone_no_fly": "禁飞区",
    "zone_fence": "电子围栏",
    "priority": "优先级",
    "priority_1": "1 紧急",
    "priority_2": "2 高",
    "priority_3": "3 中",
    "priority_4": "4 低",
    "revisit": "复查间隔 (分钟)",
    "sample_grid": "无人机采样网格",
    "alert_source": "疑似污染源",
    "uncertainty": "不确定半径",
    "status": "状态",
    "status_open": "未处理",
    "status_acknowledged": "已确认",
    "status_closed": "已关闭",
    "stations": "监测站点",
    "drones": "无人机",
    "zones": "区域",
    "rasters": "遥感影像",
}

_EN = {
    "sky": "Sky · satellite",
    "ground": "Ground · stations",
    "air": "Air · drones",
    "alerts": "Alerts",
    "legend_title": "Air quality index (AQI)",
    "legend_na": "no data",
    "base_osm": "OpenStreetMap",
    "base_tianditu_vector": "Tianditu vector",
    "base_tianditu_image": "Tianditu imagery",
    "aqi": "AQI",
    "iaqi": "IAQI",
    "category": "Category",
    "primary": "Primary pollutant",
    "pollutant": "Pollutant",
    "value": "Concentration",
    "aqi_24h": "AQI, last 24 h",
    "time": "Time",
    "none": "none",
    "battery": "Battery",
    "mode": "Mode",
    "link": "Link",
    "link_OK": "OK",
    "link_LOST": "lost",
    "link_CONNECTING": "connecting",
    "altitude": "Altitude",
    "speed": "Ground speed",
    "heading": "Heading",
    "armed": "armed",
    "disarmed": "disarmed",
    "sortie": "Sortie",
    "track": "Track",
    "route": "Planned route",
    "kind": "Kind",
    "zone_area": "Patrol area",
    "zone_enterprise": "Key enterprise",
    "zone_corridor": "Patrol corridor",
    "zone_no_fly": "No-fly zone",
    "zone_fence": "Geofence",
    "priority": "Priority",
    "priority_1": "1 critical",
    "priority_2": "2 high",
    "priority_3": "3 medium",
    "priority_4": "4 low",
    "revisit": "Revisit (min)",
    "sample_grid": "Drone sample grid",
    "alert_source": "Suspected source",
    "uncertainty": "Uncertainty radius",
    "status": "Status",
    "status_open": "open",
    "status_acknowledged": "acknowledged",
    "status_closed": "closed",
    "stations": "Stations",
    "drones": "Drones",
    "zones": "Zones",
    "rasters": "Satellite rasters",
}

TABLE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"zh-CN": MappingProxyType(_ZH), "en": MappingProxyType(_EN)}
)
"""Label key → text, per language."""


def labels(lang: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The labels of one language, with the console's own texts laid over them."""
    if lang not in TABLE:
        raise MapError("map", "lang", f"must be one of {', '.join(LANGS)}, got {lang!r}")
    out = dict(TABLE[lang])
    for key, text in (overrides or {}).items():
        if key not in out or not isinstance(text, str):
            raise MapError("map", f"labels.{key}", "unknown label key or not a string")
        plain_text("map", f"labels.{key}", text)
        out[key] = text
    return out


def category_names(lang: str, standard: str = "hj633-2026") -> list[str]:
    """The six AQI category names in the map's language."""
    attr = "zh" if lang == "zh-CN" else "en"
    return [getattr(c, attr) for c in categories(standard)]
