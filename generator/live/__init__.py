"""Commands that read a live AWS account (boto3's standard credential chain and endpoint variables,
AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>): what the spec means, compared with what exists."""

from .doctor import Finding, NotRun, Report, doctor

__all__ = ["Finding", "NotRun", "Report", "doctor"]
