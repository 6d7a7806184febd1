"""GPS_COORDINATES: "lat, long" pairs (both in range, each with at least three decimals, a precision
that places a person within about a hundred metres) count alone, and so do points as databases and
GeoJSON write them (WKT ``POINT(long lat)``, PostGIS's ``SRID=4326;POINT(...)``, ``{"type": "Point",
"coordinates": [long, lat]}``); a single latitude or longitude is just a decimal number, so it needs the
column's name."""

from __future__ import annotations

import re

from lily.classify import tags
from lily.classify.gates import DIGIT, NUMERIC
from lily.classify.names import hint
from lily.classify.recognizer import FLOAT, NAMED, SHAPE, STRING, Recognizer

PAIR_PATTERN = r"^\(?\s*[+-]?[0-9]+\.[0-9]+\s*[,; ]\s*[+-]?[0-9]+\.[0-9]+\s*\)?$"
AXIS_PATTERN = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_PAIR = re.compile(r"^\(?\s*([+-]?\d{1,3}\.\d{3,})\s*[,; ]\s*([+-]?\d{1,3}\.\d{3,})\s*\)?$")


_NUMBER = r"[+-]?[0-9]+\.[0-9]+"
POINT_PATTERN = (rf"^(?:(?:SRID=[0-9]+;)?[Pp][Oo][Ii][Nn][Tt]\s*Z?\s*\(\s*{_NUMBER}\s+{_NUMBER}(?:\s+{_NUMBER})?\s*\)"
                 rf"|\{{.*\"[Pp]oint\".*\}})$")
_WKT = re.compile(r"^(?:SRID=\d+;)?POINT\s*Z?\s*\(\s*([+-]?\d{1,3}\.\d{3,})\s+([+-]?\d{1,3}\.\d{3,})"
                  r"(?:\s+[+-]?\d+(?:\.\d+)?)?\s*\)$", re.IGNORECASE)
_GEOJSON = re.compile(r'^\{\s*"type"\s*:\s*"Point"\s*,\s*"coordinates"\s*:\s*\[\s*([+-]?\d{1,3}\.\d{3,})\s*,'
                      r'\s*([+-]?\d{1,3}\.\d{3,})\s*(?:,\s*[+-]?\d+(?:\.\d+)?\s*)?\]\s*\}$')


def _placed(lat: float, lon: float) -> float:
    return 0.0 if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0) else 1.0


def validate_pair(value: str) -> float:
    found = _PAIR.match(value)
    return _placed(float(found[1]), float(found[2])) if found else 0.0


def validate_point(value: str) -> float:
    """A point written longitude first, as WKT and GeoJSON do."""
    found = _WKT.match(value) or _GEOJSON.match(value)
    return _placed(float(found[2]), float(found[1])) if found else 0.0


def validate_axis(value: str) -> float:
    if len(value) > 24:
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    if abs(number) > 180:
        return 0.0
    decimals = len(value.partition(".")[2])
    return 1.0 if decimals >= 3 else (0.5 if decimals >= 1 else 0.0)


PAIR = Recognizer(
    entity=tags.GPS_COORDINATES, id="gps.pair", pattern=PAIR_PATTERN, validate=validate_pair, tier=SHAPE,
    gate=NUMERIC, length=(7, 60),
    identifier=False,
    hint=hint(("latlng", "latlon", "lat_lng", "lat_lon", "lat_long", "latlong", "coordinates", "coordinate",
               "coords", "coord", "gps", "geo", "geolocation", "geopoint", "geo_point", "position", "location",
               "loc", "koordinaten", "coordonnees", "coordenadas", "coordinate_gps", "coordinaten"),
              stems=("latlng", "latlon", "lat_lon", "lat_lng", "coordinat", "coordonn", "coordenad", "koordinat",
                     "geoloc", "gps")),
)

POINT = Recognizer(
    entity=tags.GPS_COORDINATES, id="gps.point", pattern=POINT_PATTERN, validate=validate_point, tier=SHAPE,
    gate=DIGIT, length=(12, 120), identifier=False, hint=PAIR.hint,
)

AXIS = Recognizer(
    entity=tags.GPS_COORDINATES, id="gps.axis", pattern=AXIS_PATTERN, validate=validate_axis, tier=NAMED,
    gate=NUMERIC, length=(1, 24), kinds=frozenset({STRING, FLOAT}), identifier=False,
    hint=hint(("lat", "latitude", "lng", "lon", "long", "longitude", "breitengrad", "laengengrad",
               "langengrad", "latitud", "longitud", "latitudine", "longitudine", "breedtegraad",
               "lengtegraad", "gps_lat", "gps_lon", "gps_lng", "geo_lat", "geo_lon", "geo_lng", "x_coord",
               "y_coord"),
              stems=("latitud", "longitud", "breitengrad", "laengengrad"),
              negative_tokens=("description", "text", "name", "form", "term", "run", "range", "error",
                               "accuracy", "precision", "delta", "offset")),
)
