import hashlib
import hmac
import json
import unittest

from acme_pay_sdk import SignatureVerificationError, construct_event, verify_signature

SECRET = "whsec_unit_test"


def _sign(payload: bytes, timestamp: int, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class VerifySignatureTest(unittest.TestCase):
    payload = json.dumps({"id": "evt_1", "type": "invoice.paid", "created": 1700000000}).encode()

    def test_valid_signature(self):
        header = _sign(self.payload, 1700000000)
        verify_signature(self.payload, header, SECRET, clock=lambda: 1700000010)

    def test_rotated_secret_second_signature_matches(self):
        old = _sign(self.payload, 1700000000, secret="whsec_old").split(",")[1]
        header = _sign(self.payload, 1700000000) + "," + old
        verify_signature(self.payload, header, "whsec_old", clock=lambda: 1700000000)

    def test_stale_timestamp_rejected(self):
        header = _sign(self.payload, 1700000000)
        with self.assertRaises(SignatureVerificationError):
            verify_signature(self.payload, header, SECRET, clock=lambda: 1700000301)

    def test_tampered_payload_rejected(self):
        header = _sign(self.payload, 1700000000)
        with self.assertRaises(SignatureVerificationError):
            verify_signature(self.payload + b" ", header, SECRET, clock=lambda: 1700000000)

    def test_construct_event(self):
        header = _sign(self.payload, 1700000000)
        event = construct_event(self.payload, header, SECRET, clock=lambda: 1700000000)
        self.assertEqual(event.type, "invoice.paid")


if __name__ == "__main__":
    unittest.main()
