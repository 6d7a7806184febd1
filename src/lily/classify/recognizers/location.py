"""GPS_COORDINATES: "lat, long" pairs (both in range, each with at least three decimals, a precision
that places a person within about a hundred metres) count alone; a single latitude or longitude is
just a decimal number, so it needs the column's name."""

from __future__ import annotations

import re

from lily.classify import tags
from lily.classify.gates import NUMERIC
from lily.classify.names import hint
from lily.classify.recognizer import FLOAT, NAMED, SHAPE, STRING, Recognizer

PAIR_PATTERN = r"^\(?\s*[+-]?[0-9]+\.[0-9]+\s*[,; ]\s*[+-]?[0-9]+\.[0-9]+\s*\)?$"
AXIS_PATTERN = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_PAIR = re.compile(r"^\(?\s*([+-]?\d{1,3}\.\d{3,})\s*[,; ]\s*([+-]?\d{1,3}\.\d{3,})\s*\)?$")


def validate_pair(value: str) -> float:
    found = _PAIR.match(value)
    if not found:
        return 0.0
    lat, lon = float(found[1]), float(found[2])
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return 0.0
    return 1.0


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
