#!/bin/sh
. /srv/app/src/lib.sh
greet "${GREETING:-Hello}"
