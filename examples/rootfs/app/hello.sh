#!/bin/sh
# The demo image's one program.
echo "Hello from a layered image"
