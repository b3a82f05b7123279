"""The seeded generator of realistic demo logs for Kabupaten Kepahiang (issue 8, parts 1-2).

:func:`generate` plays the SOPs of a library for a period and returns a :class:`SynthResult`
(events, ground truth); :func:`write_exports` writes them as the source systems would export
them. See ``docs/synth.md``.
"""

from pipeline.synth.exports import write_exports
from pipeline.synth.generate import CODES, DEFAULT_RATES, SynthResult, generate

__all__ = ["CODES", "DEFAULT_RATES", "SynthResult", "generate", "write_exports"]
