"""Accelerators beside the rules of :mod:`sync.core`: the forked history worker, the one-shot
process's object lifetime policy, and the memos that let a long-lived process redo only what
changed. Each gives what the rule it speeds up gives, which tests check."""
