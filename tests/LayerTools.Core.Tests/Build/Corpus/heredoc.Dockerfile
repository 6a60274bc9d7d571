FROM busybox
RUN <<EOF
echo hello
echo $HOME
EOF
RUN <<-"SCRIPT" bash
	echo "tabs stripped, no expansion: $HOME"
	SCRIPT
RUN <<FILE1 cat > /file1 && <<FILE2 cat > /file2
first
FILE1
second
FILE2
COPY <<EOF /etc/motd
Welcome to ${NAME}
EOF
COPY <<a.txt <<b.txt /dst/
A
a.txt
B
b.txt
RUN ["echo", "<<NOTAHEREDOC"]
