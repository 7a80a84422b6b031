variable "name" {
  description = "Name of the schedule, also used as the Data API statement name."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-zA-Z._-]{1,64}$", var.name))
    error_message = "The schedule name must be 1-64 characters of letters, digits and ._-."
  }
}

variable "group_name" {
  description = "Schedule group the schedule belongs to."
  type        = string
}

variable "description" {
  description = "Description of the schedule (at most 512 characters)."
  type        = string
  default     = null
}

variable "schedule_expression" {
  description = "rate(...), cron(...) or at(...); cron and at are evaluated in `timezone`."
  type        = string
}

variable "timezone" {
  description = "IANA time zone of the schedule expression."
  type        = string
  default     = "UTC"
}

variable "enabled" {
  description = "Whether the schedule runs."
  type        = bool
  default     = true
}

variable "flexible_window_minutes" {
  description = "Run within this many minutes after the scheduled time (spreads load), or null to run on time."
  type        = number
  default     = null

  validation {
    condition     = var.flexible_window_minutes == null ? true : (var.flexible_window_minutes >= 1 && var.flexible_window_minutes <= 1440)
    error_message = "The flexible window is 1 to 1440 minutes."
  }
}

variable "start_date" {
  description = "The schedule does not run before this time (RFC 3339), or null."
  type        = string
  default     = null
}

variable "end_date" {
  description = "The schedule does not run after this time (RFC 3339), or null."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer managed KMS key that encrypts the schedule's payload (it holds the SQL)."
  type        = string
}

variable "role_arn" {
  description = "Execution role EventBridge Scheduler assumes to call the Data API; it must trust scheduler.amazonaws.com."
  type        = string
}

variable "cluster_identifier" {
  description = "Provisioned cluster to run on; null for a serverless workgroup."
  type        = string
  default     = null
}

variable "workgroup_name" {
  description = "Redshift Serverless workgroup to run on; null for a cluster."
  type        = string
  default     = null
}

variable "database" {
  description = "Database the statements run in."
  type        = string
}

variable "db_user" {
  description = "Database user for temporary credentials (clusters), or null."
  type        = string
  default     = null
}

variable "secret_arn" {
  description = "Secrets Manager secret with the database credentials, or null."
  type        = string
  default     = null
}

variable "sqls" {
  description = "The SQL: one statement runs with ExecuteStatement, several (at most 40) as one BatchExecuteStatement transaction."
  type        = list(string)

  validation {
    condition     = length(var.sqls) >= 1 && length(var.sqls) <= 40 && alltrue([for s in var.sqls : length(s) >= 1 && length(s) <= 100000])
    error_message = "Give 1 to 40 statements of 1 to 100,000 characters."
  }
}

variable "with_event" {
  description = "Whether the Data API emits a status change event when the statement ends."
  type        = bool
  default     = false
}

variable "retry" {
  description = "Retry policy, or null for the Scheduler default (24 hours, 185 attempts)."
  type = object({
    maximum_event_age_in_seconds = number
    maximum_retry_attempts       = number
  })
  default = null
}

variable "dead_letter" {
  description = "SQS queue for invocations that failed for good, or null. An object, so that whether it is set is known at plan time even before the queue exists."
  type = object({
    arn = string
  })
  default = null
}
