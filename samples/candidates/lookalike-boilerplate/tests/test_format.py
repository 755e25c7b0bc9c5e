import pytest

from skycast import compass_point, describe, format_temperature, format_wind


def test_compass_point():
    assert compass_point(0) == "N"
    assert compass_point(359) == "N"
    assert compass_point(250) == "WSW"


def test_temperature_units():
    assert format_temperature(-0.3) == "0°C"
    assert format_temperature(20, "f") == "68°F"
    with pytest.raises(ValueError):
        format_temperature(1, "R")


def test_wind_and_describe():
    assert format_wind(0.2) == "Calm"
    assert format_wind(6.2, 250) == "Moderate breeze, 22 km/h from the WSW"
    reading = {"condition": "light rain", "temp_c": 11.4, "wind_ms": 6.2, "wind_deg": 250}
    assert describe(reading) == "Light rain, 11°C, moderate breeze, 22 km/h from the WSW"
