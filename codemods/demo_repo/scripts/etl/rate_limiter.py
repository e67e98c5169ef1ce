"""A token bucket shared by the scrapers."""

import time


class RateLimiter:
    def __init__(self, per_second):
        self.per_second = per_second
        self.tokens = per_second
        self.updated = time.monotonic()

    def acquire(self):
        now = time.monotonic()
        self.tokens = min(self.per_second, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1:
            time.sleep((1 - self.tokens) / self.per_second)
            self.tokens = 1
        self.tokens -= 1
