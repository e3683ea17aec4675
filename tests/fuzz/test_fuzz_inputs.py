"""Hypothesis fuzzing over mutated snapshots and templates (a fixed, derandomized budget, so CI is
deterministic): whatever the mutation, the CLI exits 0, 1 or 2 and never prints a traceback."""

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fuzz.harness import SNAPSHOTS, TEMPLATES, check_cli_folder, check_one

FUZZ = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@FUZZ
@given(source=st.sampled_from(SNAPSHOTS), seed=st.integers(0, 2**32 - 1))
def test_mutated_snapshots_keep_the_exit_contract(tmp_path_factory, source, seed):
    problem = check_one(source, seed, tmp_path_factory.mktemp("snap"))
    assert problem is None, f"{source.name} mutated with seed {seed}: {problem}"


@FUZZ
@given(source=st.sampled_from(TEMPLATES), seed=st.integers(0, 2**32 - 1))
def test_mutated_templates_keep_the_exit_contract(tmp_path_factory, source, seed):
    problem = check_one(source, seed, tmp_path_factory.mktemp("tmpl"))
    assert problem is None, f"{source.name} mutated with seed {seed}: {problem}"


@settings(max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_cli_output_folders_keep_the_exit_contract(tmp_path_factory, seed):
    problem = check_cli_folder(seed, tmp_path_factory.mktemp("cli"))
    assert problem is None, f"CLI-outputs folder mutated with seed {seed}: {problem}"
