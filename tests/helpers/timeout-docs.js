// One docs test runs one documentation block, and `npm run demo` or a first `pip install` can take
// minutes on a loaded 2-core machine; the block itself is stopped after 12 minutes.
jest.setTimeout(15 * 60_000);
