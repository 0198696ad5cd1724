"""Framework-neutral arithmetic: pure functions from sizes to sizes, each naming its source."""
