"""Progress lines of long loops: at most one every so many seconds."""
from orchestration.progress import Throttle


def test_the_throttle_lets_one_line_through_per_interval():
    now = [100.0]
    due = Throttle(seconds=2.0, clock=lambda: now[0])
    seen = []
    for step in range(12):       # a call every half second for six seconds
        seen.append(due())
        now[0] += 0.5
    assert seen == [True, False, False, False] * 3
