"""The bindings componentize-py generates for the WIT contract, imported when the SDK is:
inside a component only what was imported while it was built exists (there are no files
to import from at run time). In plain CPython (a model's own unit tests) they are absent
and `types` is None."""

try:
    from componentize_py_types import Err
    from wit_world.imports import host, types
except ImportError:
    Err = host = types = None
