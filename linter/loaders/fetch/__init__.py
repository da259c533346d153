"""Charts that are not committed: where they come from (sources.py: Helm repositories, OCI
registries, mirrors), who may fetch them (credentials.py), the content-addressed cache they land
in (cache.py) and the fetcher that resolves versions and downloads through the Helm worker with
deadlines (fetcher.py). Nothing else in the linter touches the network."""
