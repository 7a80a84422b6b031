variable "name" {
  description = "Name of the IAM role that EventBridge (and the Redshift console) assumes to run scheduled queries."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "The role name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "path" {
  description = "IAM path of the role (part of its ARN), e.g. /data/."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\w+=,.@-]+/){0,32}$", var.path))
    error_message = "The path is / or /name/.../ (letters, digits and +=,.@_-)."
  }
}

variable "description" {
  description = "Description of the role."
  type        = string
  default     = "Runs Amazon Redshift scheduled queries through the Redshift Data API."
}

variable "trust_statements" {
  description = "The trust policy's statements, as IAM writes them (Sid, Effect, Principal, Action, Condition): the Redshift console's services, EventBridge and Scheduler under aws:SourceAccount/aws:SourceArn conditions, and each operator's exact ARN."
  type        = any

  validation {
    condition     = length(var.trust_statements) > 0 && alltrue([for s in var.trust_statements : try(s.Effect, "") == "Allow" && try(s.Action, "") == "sts:AssumeRole"])
    error_message = "Each trust statement allows sts:AssumeRole, and there is at least one."
  }

  validation {
    condition = alltrue(flatten([
      for s in var.trust_statements : [
        for svc in flatten([try(s.Principal.Service, [])]) : contains([
          "redshift.amazonaws.com",
          "redshift-serverless.amazonaws.com",
          "events.amazonaws.com",
          "scheduler.amazonaws.com",
        ], svc)
      ]
    ]))
    error_message = "Only redshift, redshift-serverless, events and scheduler (.amazonaws.com) may be trusted."
  }

  validation {
    condition = alltrue(flatten([
      for s in var.trust_statements : [
        for a in flatten([try(s.Principal.AWS, [])]) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/[\\w+=,.@/-]+$", a))
      ]
    ]))
    error_message = "Each operator must be the exact ARN of an IAM user or role (arn:aws:iam::123456789012:user/name); an account root or a wildcard is not allowed."
  }

  validation {
    condition = alltrue([
      for s in var.trust_statements : alltrue([
        for svc in flatten([try(s.Principal.Service, [])]) : !contains(["events.amazonaws.com", "scheduler.amazonaws.com"], svc)
      ]) || can(s.Condition["StringEquals"]["aws:SourceAccount"])
    ])
    error_message = "EventBridge and Scheduler are trusted only with an aws:SourceAccount condition (confused-deputy protection)."
  }

  # The checks above read Principal.Service and Principal.AWS: a Principal of another form ("*",
  # Federated, CanonicalUser) would pass them unread, so it is refused here.
  validation {
    condition     = alltrue([for s in var.trust_statements : can(keys(s.Principal)) && length(try(keys(s.Principal), [])) > 0 && length(setsubtract(try(keys(s.Principal), []), ["AWS", "Service"])) == 0])
    error_message = "Each trust statement's Principal is an object of Service and/or AWS principals; \"*\", Federated and CanonicalUser principals are not allowed."
  }
}

variable "statements" {
  description = "Permission statements of the role's inline policy. Resource \"*\" is accepted only for actions that AWS does not scope to a resource."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    # IAM's own shape: { StringEquals = { "aws:SourceArn" = ["..."] } }
    conditions = optional(map(map(list(string))), {})
  }))

  validation {
    condition = alltrue([
      for s in var.statements : alltrue([for a in s.actions : a != "*" && !endswith(a, ":*")])
    ])
    error_message = "Wildcard actions (\"*\" or \"service:*\") are not allowed."
  }

  validation {
    condition     = alltrue([for s in var.statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Every statement needs at least one action and one resource."
  }

  validation {
    condition = alltrue([
      for s in var.statements : !contains(s.resources, "*") || alltrue([
        for a in s.actions : contains([
          "redshift-data:CancelStatement",
          "redshift-data:DescribeStatement",
          "redshift-data:GetStatementResult",
          "redshift-data:ListStatements",
        ], a)
      ])
    ])
    error_message = "Resource \"*\" is allowed only for the Redshift Data API actions that have no resource type."
  }
}

variable "managed_policies" {
  description = "Further permission statements, by policy name suffix, for what does not fit the 10,240-character inline policy: each becomes a customer managed policy (at most 6,144 characters) attached to the role."
  type = map(list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))), {})
  })))
  default  = {}
  nullable = false

  validation {
    condition = alltrue(flatten([
      for statements in values(var.managed_policies) : [
        for s in statements : alltrue([for a in s.actions : a != "*" && !endswith(a, ":*")]) && !contains(s.resources, "*") && length(s.resources) > 0
      ]
    ]))
    error_message = "Managed policy statements take no wildcard action, no Resource \"*\", and at least one resource."
  }
}

variable "policy_name" {
  description = "Name of the role's inline permission policy."
  type        = string
  default     = "scheduled-query-permissions"
}

variable "max_session_duration" {
  description = "Longest session, in seconds, for operators who assume the role in the console."
  type        = number
  default     = 3600
}

variable "permissions_boundary" {
  description = "ARN of a managed policy that bounds the role's permissions, or null."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}|aws):policy/", var.permissions_boundary))
    error_message = "The permissions boundary must be the ARN of a managed policy (arn:aws:iam::<account>:policy/...)."
  }
}

variable "tags" {
  description = "Tags for the role (in addition to the provider's default_tags)."
  type        = map(string)
  default     = {}
}
