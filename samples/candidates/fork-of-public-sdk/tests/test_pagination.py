import unittest

from acme_pay_sdk import iterate_pages


class IteratePagesTest(unittest.TestCase):
    def test_filters_are_kept_across_pages(self):
        seen = []
        pages = {
            None: {"data": [{"id": 1}, {"id": 2}], "has_more": True, "next_cursor": "c2"},
            "c2": {"data": [{"id": 3}], "has_more": False},
        }

        def fetch(query):
            seen.append(dict(query))
            return pages[query.get("cursor")]

        ids = [item["id"] for item in iterate_pages(fetch, dict, params={"status": "open"}, page_size=2)]
        self.assertEqual(ids, [1, 2, 3])
        self.assertEqual(seen[1], {"status": "open", "limit": 2, "cursor": "c2"})


if __name__ == "__main__":
    unittest.main()
