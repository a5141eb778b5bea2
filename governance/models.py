# The governance app holds views and reports over the other apps; no tables yet.
