FROM busybox:conformance
COPY . /c/
