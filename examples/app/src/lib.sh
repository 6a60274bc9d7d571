greet() {
    echo "$1 from the LayerTools demo app"
}
