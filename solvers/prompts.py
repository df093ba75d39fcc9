"""Verifier prompt templates.

Every template wraps the problem in ``<problem>`` and the proof in ``<proof>`` tags: LLM verifiers
read them as delimiters and local non-LLM verifiers (the embedded one) parse them. Both ask for a
final line ``Confidence: <0-100>``, which ``verifier_eval.verdict.parse_confidence`` reads.
"""

# The seed's verifier prompt: a probability 0-100 that the solution deserves full credit.
SEED_PROMPT = """\
You are an expert grader of mathematical olympiad solutions. Below is a competition problem and a \
candidate solution. Check every step of the solution for correctness, rigour and completeness.

<problem>
{problem}
</problem>

<proof>
{proof}
</proof>

What is the probability, from 0 to 100, that this solution deserves full credit? A solution \
deserves full credit only if it is a complete and rigorous proof with no gaps or errors. Think \
before you answer, then end your answer with one final line of exactly this form:
Confidence: <a number from 0 to 100>"""

# The rubric variant: problem, the official grading scheme and a reference solution.
RUBRIC_PROMPT = """\
You are an expert grader of mathematical olympiad solutions. Below is a competition problem worth \
{max_points:g} points, its grading scheme, a reference solution and a candidate solution. Check \
every step of the candidate solution against the grading scheme. The reference solution is one \
correct approach; a different correct approach also deserves full credit.

<problem>
{problem}
</problem>

<grading_scheme>
{rubric}
</grading_scheme>

<reference_solution>
{reference_solution}
</reference_solution>

<proof>
{proof}
</proof>

What is the probability, from 0 to 100, that the candidate solution deserves full credit \
({max_points:g} of {max_points:g} points)? Think before you answer, then end your answer with one \
final line of exactly this form:
Confidence: <a number from 0 to 100>"""

NOT_AVAILABLE = "(not available for this problem)"

PROMPTS: dict[str, str] = {"seed": SEED_PROMPT, "rubric": RUBRIC_PROMPT}
