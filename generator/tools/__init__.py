"""Stage 5, the tools around the output: checks (`validate`), `review` of a Terraform plan,
`explain`, and finding the external programs (terraform, checkov).

Import the module you need (`rsqgen.tools.review`); this package imports nothing, so the review
tool starts without loading the spec or the renderer.
"""
