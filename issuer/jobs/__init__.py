"""Background jobs: bulk issuance cut into chunks (``bulk``) and the executors that run them
(``executors``: in this process for the embedded default, local processes for the command
line, or a Dramatiq queue whose workers run on any number of hosts)."""
