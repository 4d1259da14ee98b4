#!/bin/sh
# A CLI that fails the way cloud CLIs do: a message on stderr, exit code 3.
echo 'An error occurred (AccessDenied) when calling the ListUsers operation' >&2
echo 'User is not authorized to perform: iam:ListUsers' >&2
exit 3
