"""m0sh1-lint: pre-deploy validation and policy linting for GitOps Kubernetes repositories."""

__version__ = "0.1.0"
