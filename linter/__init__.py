"""m0sh1-lint: pre-deploy validation and policy linting for GitOps Kubernetes repositories."""

__version__ = "0.1.0"

# Where rule documentation is published (the same pages as docs/rules/ in this repository).
DOCS_URL = "https://github.com/m0sh1-devops/m0sh1-lint/blob/main/docs/rules/{id}.md"
