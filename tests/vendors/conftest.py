"""Fixtures for the vendor clients: emulate's Twilio, one per test module."""

from servers.twilio_server import twilio_emulator_fixture

twilio = twilio_emulator_fixture(scope="module")
