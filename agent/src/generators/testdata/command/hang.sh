#!/bin/sh
# A CLI that never answers. Writes its pid to $1, so the test can check it
# was killed (exec: the sleep itself is the process the agent kills).
echo $$ > "$1"
exec sleep 60
