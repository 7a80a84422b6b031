-- Weekly maintenance of the events table: reclaim space and re-sort.
VACUUM FULL analytics.events TO 95 PERCENT;
