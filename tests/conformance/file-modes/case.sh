chmod 700 script.sh
chmod 600 private
chmod 750 sub
mkdir empty
chmod 1777 empty
