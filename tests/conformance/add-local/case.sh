mkdir -p pkg/sub && echo f > pkg/file && echo s > pkg/sub/s
tar --owner=0 --group=0 -czf archive.tar.gz pkg
tar --owner=0 --group=0 -cf plain.tar pkg
rm -r pkg
