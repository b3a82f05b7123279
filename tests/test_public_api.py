"""The public surface is explicit: __all__ is sorted, complete and every name resolves."""

from __future__ import annotations

import pipeline


def test_all_is_sorted_and_every_name_resolves():
    assert pipeline.__all__ == sorted(pipeline.__all__)
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None, name


def test_every_error_of_the_tree_is_public_and_derives_from_pipeline_error():
    from pipeline import errors

    tree = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)
            and v.__module__ == errors.__name__]
    for error in tree:
        assert error.__name__ in pipeline.__all__
        assert issubclass(error, pipeline.PipelineError)


def test_no_public_name_hides_a_submodule():
    # 'from pipeline import compare' must not return a function where code expects the module
    import importlib.util

    for name in pipeline.__all__:
        assert importlib.util.find_spec(f"pipeline.{name}") is None, name
