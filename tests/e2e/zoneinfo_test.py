"""Differential test: `sluice schedule preview` in time zones against Python's zoneinfo.

Both read Debian's /usr/share/zoneinfo. Its files list each zone's transitions only up to 2037
and end with a POSIX TZ rule for the years after; zoneinfo applies that rule, and so must
Sluice. For each zone, a daily schedule at 12:00 local (never in a DST gap or repeated hour)
from 2030 to 2070: every fire time must be the instant zoneinfo gives for that wall time.

Run: python3 tests/e2e/zoneinfo_test.py (SLUICE_BIN names the binary, default build/sluice).
"""
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from zoneinfo import ZoneInfo

from sluice_e2e import SLUICE
UTC = datetime.timezone.utc
FIRST, LAST = datetime.date(2030, 1, 1), datetime.date(2070, 12, 31)

# Northern and southern hemisphere, negative DST (Dublin), half-hour DST (Lord Howe), changes
# at -1:00, 24:00 and 26:00 local (Nuuk, Santiago and Cairo, Jerusalem), half-hour zones, and
# zones without DST.
ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
         "Europe/Dublin", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
         "America/Santiago", "America/Nuuk", "Africa/Cairo", "Asia/Jerusalem",
         "America/St_Johns", "America/Havana", "Asia/Tehran", "Asia/Kolkata", "UTC"]


class ZoneinfoDifferentialTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-zoneinfo-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def preview(self, zone):
        path = os.path.join(self.dir, "noon.yaml")
        with open(path, "w") as f:
            f.write(f'dag: noon\nschedule: "0 12 * * *"\ntimezone: {zone}\n'
                    f'start: 2029-12-01T00:00:00Z\ntasks:\n  t: {{run: "true"}}\n')
        days = (LAST - FIRST).days + 1
        proc = subprocess.run([SLUICE, "schedule", "preview", path, "--from",
                               "2030-01-01T00:00:00Z", "--count", str(days), "--output", "json"],
                              capture_output=True, text=True, check=False,
                              # Its own home, not one a run before left in the working folder.
                              env=dict(os.environ, SLUICE_HOME=os.path.join(self.dir, "home")))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [row["logical_date"] for row in json.loads(proc.stdout)]

    def test_noon_every_day_until_2070_matches_zoneinfo(self):
        for zone in ZONES:
            with self.subTest(zone=zone):
                tz = ZoneInfo(zone)
                got = self.preview(zone)
                # The first run due from 2030-01-01T00:00Z has a logical date (its interval's
                # start) on 2029-12-30 or 31 depending on the zone's offset: the list starts at
                # that local day, and each entry must be noon there, a day apart.
                first = datetime.datetime.fromisoformat(got[0].replace("Z", "+00:00"))
                day = first.astimezone(tz).date()
                want = []
                for _ in got:
                    noon = datetime.datetime(day.year, day.month, day.day, 12, tzinfo=tz)
                    want.append(noon.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
                    day += datetime.timedelta(days=1)
                mismatches = [(w, g) for w, g in zip(want, got) if w != g]
                self.assertEqual(mismatches[:5], [], f"{len(mismatches)} mismatches in {zone}")
                self.assertEqual(len(got), (LAST - FIRST).days + 1)


if __name__ == "__main__":
    unittest.main()
