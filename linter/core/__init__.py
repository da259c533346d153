"""Small pure helpers every stage may use: errors, bundled files, globs, SemVer, numbers, did-you-mean.

Nothing here knows about Kubernetes objects or rules; everything else may import from here.
"""
