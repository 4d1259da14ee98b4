#!/bin/sh
# A CLI that prints far more than expected: an endless JSON array.
echo '['
exec yes '{"UserName": "same"},'
