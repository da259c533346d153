"""Generic check templates that rules parameterise (kube-linter's model): a new rule of these
shapes is one YAML file, no Python.

- `field` (field.py): a field at a path over selected objects must exist, be absent, match a
  pattern or an enum, lie in a range, or come with other fields;
- `reference` (reference.py): a name at a path must resolve to an object of a kind the
  referrer can see (or one the cluster has anyway), with did-you-mean.
"""
