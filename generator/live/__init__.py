"""Commands that read a live AWS account (boto3's standard credential chain and endpoint variables,
AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>): what the spec means, compared with what exists."""

from .adopt import PREFIXES, Adoption, Refused, adopt, spec_text
from .aws import NotRun
from .doctor import Finding, Report, doctor
from .names import Taken, TakenNames, taken_names
from .runs import History, RunResult, history, run

__all__ = ["PREFIXES", "Adoption", "Finding", "History", "NotRun", "Refused", "Report", "RunResult", "adopt", "doctor", "history", "run", "spec_text", "Taken", "TakenNames", "taken_names"]
