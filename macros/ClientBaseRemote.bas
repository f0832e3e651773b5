Attribute VB_Name = "ClientBaseRemote"
' clientbase buttons through xlwings Server: each sends this workbook to the office's clientbase
' server (clientbase excel-serve) and applies the answer. Use this module instead of
' ClientBase.bas when Python runs on a server rather than on each computer. The remote
' interpreter is xlwings PRO: free for noncommercial use, otherwise it needs a paid licence key.
' clientbase excel-setup WORKBOOK --server URL fills in the two constants below.
' xlwings' VBA client writes no notes: problems are coloured, their messages are on the
' Problems sheet with a link to each cell, and a message box says so. Notes need the desktop
' buttons (ClientBase.bas) or an Office.js add-in with ExcelApi 1.18.
Option Explicit

Private Const SERVER_URL As String = "http://localhost:8000/clientbase/"
Private Const SERVER_TOKEN As String = ""

Sub ClientBaseCheckNow()
    RunServerPython SERVER_URL & "check_now", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseFindDuplicates()
    RunServerPython SERVER_URL & "find_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseRecomputeSegments()
    RunServerPython SERVER_URL & "recompute_segments", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseMergeSelectedDuplicates()
    RunServerPython SERVER_URL & "merge_selected_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseClearHighlights()
    RunServerPython SERVER_URL & "clear_highlights", auth:=SERVER_TOKEN
End Sub

' Called by the server's answer (xlwings' runMacro) for what xlwings' VBA client has no action
' for, or would need one action per cell for. address: "C3:C9,E7" (one sheet, <= 255 chars).

' Fills the cells with colour "#RRGGBB".
Sub ClientBasePaint(wb As Workbook, sheetName As Variant, address As Variant, colour As Variant)
    Dim hex6 As String
    hex6 = Replace(CStr(colour), "#", "")
    wb.Worksheets(CStr(sheetName)).Range(CStr(address)).Interior.Color = RGB( _
        CLng("&H" & Mid(hex6, 1, 2)), CLng("&H" & Mid(hex6, 3, 2)), CLng("&H" & Mid(hex6, 5, 2)))
End Sub

' Removes the fill of the cells (only ever cells the tool painted).
Sub ClientBaseClearFill(wb As Workbook, sheetName As Variant, address As Variant)
    wb.Worksheets(CStr(sheetName)).Range(CStr(address)).Interior.Pattern = xlNone
End Sub

' Problems sheet: links each cell to the cell it names, on the sheet named in column A.
Sub ClientBaseLinkCells(wb As Workbook, sheetName As Variant, address As Variant)
    Dim ws As Worksheet, cell As Range, target As String
    Set ws = wb.Worksheets(CStr(sheetName))
    For Each cell In ws.Range(CStr(address)).Cells
        target = "'" & Replace(CStr(ws.Cells(cell.Row, 1).Value), "'", "''") & "'!" & CStr(cell.Value)
        ws.Hyperlinks.Add Anchor:=cell, Address:="", SubAddress:=target, TextToDisplay:=CStr(cell.Value)
    Next cell
End Sub

' Hides the tool's record sheet (_clientbase) when it is first added.
Sub ClientBaseHideSheet(wb As Workbook, sheetName As Variant)
    wb.Worksheets(CStr(sheetName)).Visible = xlSheetHidden
End Sub

Sub ClientBaseFixFormats()
    RunRemotePython SERVER_URL & "fix_formats", auth:=SERVER_TOKEN
End Sub
