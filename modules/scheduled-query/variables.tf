variable "name" {
  description = "Name of the EventBridge rule and of the Data API statement. The Redshift console lists a rule as a scheduled query when both are QS2-<name>."
  type        = string

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.name))
    error_message = "The rule name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "description" {
  description = "Description of the rule (at most 512 characters)."
  type        = string
  default     = null
}

variable "schedule_expression" {
  description = "rate(...) or cron(...) as EventBridge takes it. Rule schedules run in UTC."
  type        = string
}

variable "enabled" {
  description = "Whether the schedule runs. A disabled rule keeps its targets and history."
  type        = bool
  default     = true
}

variable "target_id" {
  description = "Id of the rule's Data API target. Changing it replaces the target: keep the id of a target made elsewhere (rsqgen adopt does)."
  type        = string
  default     = "redshift-data"

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.target_id))
    error_message = "The target id must be 1-64 characters of letters, digits and ._-."
  }
}

variable "target_arn" {
  description = "ARN of the provisioned cluster or of the Redshift Serverless workgroup (not its name)."
  type        = string
}

variable "role_arn" {
  description = "ARN of the role EventBridge assumes to call the Data API."
  type        = string
}

variable "database" {
  description = "Database the statement runs in."
  type        = string
}

variable "db_user" {
  description = "Database user for temporary credentials (provisioned clusters). Null with secret or IAM authentication."
  type        = string
  default     = null
}

variable "secret_arn" {
  description = "Secrets Manager secret holding the database credentials. Null with db_user or IAM authentication."
  type        = string
  default     = null
}

variable "sql" {
  description = "The SQL statement, exactly as it is sent to the Data API."
  type        = string

  validation {
    condition     = length(var.sql) >= 1 && length(var.sql) <= 100000
    error_message = "The SQL must be 1 to 100,000 characters long."
  }
}

variable "with_event" {
  description = "Whether the Data API emits a \"Redshift Data Statement Status Change\" event when the statement ends."
  type        = bool
  default     = false
}

variable "triggers" {
  description = "SNS topics notified each time the schedule fires (the message is the scheduled event), by target id. The ids are known at plan time even before the topics exist. A rule has at most 5 targets: the query's and 4 topics."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.triggers) <= 4 && alltrue([for id in keys(var.triggers) : can(regex("^[.A-Za-z0-9_-]{1,64}$", id))])
    error_message = "At most 4 topics, each keyed by a target id of 1-64 letters, digits and .-_ characters."
  }
}

variable "retry" {
  description = "Retry policy of the Redshift target, or null for EventBridge's default (24 hours, 185 attempts)."
  type = object({
    maximum_event_age_in_seconds = number
    maximum_retry_attempts       = number
  })
  default = null
}

variable "dead_letter" {
  description = "SQS queue that receives events EventBridge could not deliver to the Data API, or null (an object: see trigger)."
  type = object({
    arn = string
  })
  default = null
}

variable "tags" {
  description = "Tags for the rules."
  type        = map(string)
  default     = {}
}
