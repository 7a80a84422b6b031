"""rsqgen: Amazon Redshift scheduled queries as code."""

__version__ = "0.1.0"
