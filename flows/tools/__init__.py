"""Commands over the stages: evaluate, sql, the data dictionary, README query checks, parse inputs."""
